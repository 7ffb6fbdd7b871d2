"""Pure scoring of the interest and work-values instruments.

Each function takes an instrument (the raw TOML mapping or the engine's object) and the
stored answers `{question_key: value}`, and returns a JSON-serialisable result.
"""

from dialogues.scoring.riasec import TYPES, RiasecResult, score_riasec
from dialogues.scoring.values import VALUES, ValuesResult, score_values

__all__ = ["TYPES", "VALUES", "RiasecResult", "ValuesResult", "score_riasec", "score_values"]
