"""One audit run: a range of history judged change by change against the policy and
the records, into a Report."""
