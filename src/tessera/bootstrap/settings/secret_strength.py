"""How strong a secret the operator supplies must be."""

from __future__ import annotations

import math

# A secret the operator supplies (TESSERA_BOOTSTRAP_ADMIN_TOKEN) must be at least this long
# and, estimated as length x log2(distinct characters), carry at least this many bits: 32
# random hex digits pass (about 120 bits), `admin` or a word repeated to length do not.
SECRET_MIN_LENGTH = 32
SECRET_MIN_BITS = 100


def strong_secret(secret: str) -> bool:
    distinct = len(set(secret))
    return len(secret) >= SECRET_MIN_LENGTH and len(secret) * math.log2(distinct) >= SECRET_MIN_BITS
