"""The headless core: git -> model -> diff -> policy -> report. Never imports Textual."""
