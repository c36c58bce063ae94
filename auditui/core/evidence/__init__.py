"""What a change's record holds: evals, approvals, signatures, and the eval tools'
outputs they come from."""
