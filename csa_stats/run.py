"""The run context: what one command or one Airflow task runs with, built once at its start
(`Run.start`): the settings, the one reading of the environment, and the contract version
(CSA_CONTRACT; the built-in one by default).

The command (csa_stats/cli.py) and each task (dags/dag_common.in_run) start a run and enter it;
while it is active, `get_settings()` and `load_contract()` anywhere below return the run's, so a
setting changed in the environment half-way does not reach a run already going, and two runs
side by side in one process (threads) each judge, store and publish under their own contract.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from yaml import YAMLError

from contracts.contract import CONTRACT_IN_USE, CONTRACT_PATH, Contract, load_contract
from csa_stats.settings import SETTINGS_IN_USE, SettingInvalid, Settings, read_settings


@dataclass(frozen=True)
class Run:
    settings: Settings
    contract: Contract

    @classmethod
    def start(cls) -> Run:
        settings = read_settings()
        path = settings.contract or CONTRACT_PATH
        try:
            contract = load_contract(path)
        except (OSError, YAMLError, LookupError, TypeError, ValueError) as exc:  # any file but a contract
            raise SettingInvalid(
                f"CSA_CONTRACT is '{path}': not a contract this version can read ({exc})"
            ) from None
        if contract.structure_codes != load_contract(CONTRACT_PATH).structure_codes:
            raise SettingInvalid(
                f"CSA_CONTRACT is '{path}': it changes the codes of the EU aggregate or of "
                "confidentiality, which belong to the data structure, not to a contract version"
            )
        return cls(settings, contract)

    @contextlib.contextmanager
    def active(self) -> Iterator[Run]:
        settings, contract = SETTINGS_IN_USE.set(self.settings), CONTRACT_IN_USE.set(self.contract)
        try:
            yield self
        finally:
            CONTRACT_IN_USE.reset(contract)
            SETTINGS_IN_USE.reset(settings)
