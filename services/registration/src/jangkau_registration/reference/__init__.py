"""Reference data: Kemendagri administrative areas, demo branch offices and demo villages."""
