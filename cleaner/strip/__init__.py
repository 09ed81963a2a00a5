"""The strip stage: each line of a document judged as text or furniture, related lists moved out."""
