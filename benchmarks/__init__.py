"""Speed and quality measurements (not tests); importable, so the tests share their corpus builders."""
