"""Every model's effective config at each commit of a walk (Worlds), and the caches
that spare a second walk the work."""
