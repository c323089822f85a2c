"""Import and export: proposals from and to CSV."""
