"""Demo villages of the field reports; the areas and branch offices are in jangkau_shared.places."""
