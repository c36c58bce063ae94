"""Leaf helpers every layer uses, importing nothing else of auditui: errors, the one
notion of a value, paths and globs, the terminal sanitiser, counted words."""
