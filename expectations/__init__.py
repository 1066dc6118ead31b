"""Data-quality expectations for extracted figures (Great Expectations 1.x).

    validator = Validator(docs_dir)            # once per run: GE import + context start-up
    result = validator.validate(source_file, family, figures)   # per report, never raises for data
    validator.build_docs()                     # Data Docs index.html under docs_dir, or None

great_expectations is imported only when a Validator is created.
"""

from .runner import ValidationResult, Validator

__all__ = ["Validator", "ValidationResult"]
