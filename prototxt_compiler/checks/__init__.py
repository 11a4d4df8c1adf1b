"""Checks: graph -> findings. Verifying a net against the residual-network templates."""
from .report import Deviation, Report, Stage
from .resnet import check
from .templates import FAMILY_TEMPLATES, TEMPLATES, UnitTemplate

__all__ = ["Deviation", "FAMILY_TEMPLATES", "Report", "Stage", "TEMPLATES", "UnitTemplate",
           "check"]
