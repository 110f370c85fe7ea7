"""Recorded provider bodies the sandbox's upstreams are modelled on (see README.md here)."""
