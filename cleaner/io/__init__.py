"""Reading records (files, folders, stdin, JSONL, CSV, HTML, WARC, Parquet) and writing results."""
