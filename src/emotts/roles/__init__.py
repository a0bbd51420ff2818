"""Role folders: loading, validating, serving and choosing reference clips for character voices."""

from emotts.roles.check import RoleCheck, check_roles
from emotts.roles.clips import CLIP_DURATION, scan_clips
from emotts.roles.config import RoleLoadError, load_role_config
from emotts.roles.loader import load_role
from emotts.roles.model import ClipPolicy, Problem, ReferenceClip, Role, RoleConfig
from emotts.roles.registry import BrokenRoleError, ReloadReport, RoleRegistry, RoleStatus, is_valid_role_name
from emotts.roles.scaffold import scaffold_role
from emotts.roles.selection import ClipSelector, ReferenceChoice

__all__ = [
    "CLIP_DURATION",
    "BrokenRoleError",
    "ClipPolicy",
    "ClipSelector",
    "Problem",
    "ReferenceChoice",
    "ReferenceClip",
    "ReloadReport",
    "Role",
    "RoleCheck",
    "RoleConfig",
    "RoleLoadError",
    "RoleRegistry",
    "RoleStatus",
    "check_roles",
    "is_valid_role_name",
    "load_role",
    "load_role_config",
    "scaffold_role",
    "scan_clips",
]
