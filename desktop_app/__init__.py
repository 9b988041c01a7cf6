"""B12-K Planner: potassium, magnesium and phosphate planning around the start of vitamin B12."""

__version__ = "0.1.0"
