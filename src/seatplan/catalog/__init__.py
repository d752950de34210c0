"""Products, service plans and the rules between plans.

The built-in Microsoft 365 catalog ships with the package (`builtin_catalog`); custom
catalog files add an organization's own products (`parse_catalog_file`, docs/catalog.md);
`to_rulebook` turns a catalog into the engine's `RuleBook`.
"""

from seatplan.catalog.builtin import builtin_catalog
from seatplan.catalog.custom_file import (
    CatalogFileError,
    CatalogProblem,
    format_catalog_text,
    parse_catalog_file,
    parse_catalog_text,
)
from seatplan.catalog.model import (
    AmbiguousPlanNameError,
    Catalog,
    Dependency,
    ExclusiveSet,
    LocationRestriction,
    Product,
    ServicePlan,
)
from seatplan.catalog.rulebook import to_rulebook

__all__ = [
    "AmbiguousPlanNameError",
    "Catalog",
    "CatalogFileError",
    "CatalogProblem",
    "Dependency",
    "ExclusiveSet",
    "LocationRestriction",
    "Product",
    "ServicePlan",
    "builtin_catalog",
    "format_catalog_text",
    "parse_catalog_file",
    "parse_catalog_text",
    "to_rulebook",
]
