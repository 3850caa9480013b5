"""The pure domain: values and functions without I/O, clocks or global state."""
