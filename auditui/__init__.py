"""auditui: make changes to LLM model configs and system prompts auditable.

Kept import-free on purpose: the pre-push hook imports this package on every push,
and anything heavy here (Textual, GitPython, PyYAML) would be paid for each time.
"""

__version__ = "0.1.0"
