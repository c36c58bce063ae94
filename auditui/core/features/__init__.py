"""What the commands ask of the engine beyond a run: pushes, looking back, targets,
eval runs and imports, init's proposal, the sample."""
