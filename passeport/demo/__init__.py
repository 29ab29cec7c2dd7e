"""The demo: synthetic organisations, people and flux, fed through the production code."""
