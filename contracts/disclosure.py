"""The contract's disclosure rule: the threshold, the owners' protection and the public marking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Disclosure:
    threshold: int  # non-zero counts below it are hidden (primary suppression)
    rule: str  # the rule in words, as published
    owner_share: float  # a figure its owner flagged: protected by this share of its value, both sides
    public: dict[str, str]  # conf_status code -> the code public outputs show (one for every hidden figure)
    public_labels: dict[str, str]  # public code -> its meaning, the one legend

    @classmethod
    def read(cls, spec: dict, conf_codes: Iterable[str]) -> Disclosure:
        """From the contract's `disclosure` property; every conf_status code must have its public
        code, and every public code a label, so no reason can reach a public file unmapped."""
        marking = spec["publicMarking"]
        public, labels = dict(marking["codes"]), dict(marking["labels"])
        unmapped = sorted(set(conf_codes) - set(public))
        unlabelled = sorted(set(public.values()) - set(labels))
        if unmapped or unlabelled:
            raise ValueError(f"disclosure.publicMarking: codes without a public code {unmapped}, "
                             f"public codes without a label {unlabelled}")  # fmt: skip
        return cls(int(spec["threshold"]), spec["rule"], float(spec["ownerProtection"]) / 100, public, labels)

    def owner_protection(self, value: float, threshold: int | None = None) -> float:
        """How far, on each side, an owner-flagged figure must stay open: max(threshold, share of it)
        (the contract's threshold unless a release is protected with another)."""
        return max(float(self.threshold if threshold is None else threshold), self.owner_share * value)
