"""The switch's endpoints, registered with the kernel's router under /api/switch/."""
