"""The shared kernel. It imports nothing from the layers above it."""
