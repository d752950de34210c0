"""The catalog in the database: the built-in Microsoft 365 one plus imported custom files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from seatplan.catalog import (
    Catalog,
    CatalogFileError,
    Dependency,
    ExclusiveSet,
    LocationRestriction,
    builtin_catalog,
    parse_catalog_file,
    parse_catalog_text,
    to_rulebook,
)
from seatplan.catalog import Product as CatalogProduct
from seatplan.catalog import ServicePlan as CatalogPlan
from seatplan.engine import RuleBook
from seatplan.services import audit, queue
from seatplan.services.errors import BadRequest, NotFound
from seatplan.store.db import Database
from seatplan.store.prepared import Prepared
from seatplan.store.tables import (
    ExclusiveSetPlan,
    Organization,
    PlanDependency,
    Product,
    ProductPlan,
    ServicePlan,
)
from seatplan.store.tables import LocationRestriction as LocationRow


class InForce(NamedTuple):
    """The catalog in force and the engine's rules made from it."""

    rules: RuleBook
    catalog: Catalog


_rulebooks: dict[tuple[UUID, int], InForce] = {}


def seed_builtin(session: Session) -> bool:
    """Write the built-in catalog into an empty database; False when it is there already."""
    if session.scalar(select(func.count()).select_from(Product)):
        return False
    write_catalog(session, builtin_catalog(), builtin=True)
    return True


def write_catalog(session: Session, catalog: Catalog, *, builtin: bool = False) -> None:
    """Add or replace the catalog's items by key (plans by id, products by skuId, …)."""
    existing_plans = set(session.scalars(select(ServicePlan.id)))
    for plan in catalog.plans:
        values = {"name": plan.name, "friendly_name": plan.friendly_name, "builtin": builtin}
        if plan.id in existing_plans:
            session.execute(update(ServicePlan).where(ServicePlan.id == plan.id).values(values))
        else:
            session.add(ServicePlan(id=plan.id, **values))
    session.flush()
    existing_products = set(session.scalars(select(Product.sku_id)))
    for product in catalog.products:
        values = {
            "sku_part_number": product.sku_part_number,
            "display_name": product.display_name,
            "builtin": builtin,
        }
        if product.sku_id in existing_products:
            session.execute(update(Product).where(Product.sku_id == product.sku_id).values(values))
            session.execute(delete(ProductPlan).where(ProductPlan.sku_id == product.sku_id))
        else:
            session.add(Product(sku_id=product.sku_id, **values))
    session.flush()
    session.add_all(
        ProductPlan(sku_id=product.sku_id, plan_id=plan_id)
        for product in catalog.products
        for plan_id in dict.fromkeys(product.plan_ids)
    )
    for exclusive in catalog.exclusive_sets:
        session.execute(delete(ExclusiveSetPlan).where(ExclusiveSetPlan.set_name == exclusive.name))
        session.add_all(
            ExclusiveSetPlan(set_name=exclusive.name, plan_id=p) for p in exclusive.plan_ids
        )
    for dependency in catalog.dependencies:
        session.execute(delete(PlanDependency).where(PlanDependency.plan_id == dependency.plan_id))
        session.add_all(
            PlanDependency(plan_id=dependency.plan_id, alternative=index, required_plan_id=p)
            for index, alternative in enumerate(dependency.requires_any_of)
            for p in alternative
        )
    for rule in catalog.location_restrictions:
        session.add(
            LocationRow(
                plan_ids=rule.plan_ids,
                prohibited=",".join(sorted(rule.prohibited)),
                allowed=None if rule.allowed is None else ",".join(sorted(rule.allowed)),
                note=rule.note,
            )
        )
    session.flush()
    session.execute(update(Organization).values(catalog_version=Organization.catalog_version + 1))


def import_file(session: Session, path: Path) -> Catalog:
    """Validate a custom catalog file against the current catalog and add its items.

    Every problem of the file is reported at once, and then nothing is written.
    """
    return _import(session, lambda base: parse_catalog_file(path, base=base), path.name)


def import_text(session: Session, text: str, *, source: str = "request") -> Catalog:
    """`import_file` for a catalog file's text (the admin API's request body)."""
    return _import(session, lambda base: parse_catalog_text(text, base, source), source)


def _import(session: Session, parse: Callable[[Catalog], Catalog], name: str) -> Catalog:
    base = current(session).catalog  # built by `prepare` before the write transaction
    try:
        added = parse(base)
    except CatalogFileError as error:
        raise BadRequest(str(error)) from error
    except OSError as error:
        raise BadRequest(f"Cannot read catalog file {name}: {error.strerror}") from error
    known = {product.sku_id for product in base.products}
    write_catalog(session, added)
    # Outcomes computed under the old rules must be computed again.
    if added.exclusive_sets or added.dependencies or added.location_restrictions:
        queue.enqueue_all_licensed(session)
    else:
        for product in added.products:
            if product.sku_id in known:
                queue.enqueue_holders_of_sku(session, product.sku_id)
    audit.record(
        session,
        activity=audit.Activity.IMPORT_CATALOG,
        category="Catalog",
        targets=[audit.target("CatalogFile", name, name)],
        reason=f"{len(added.products)} products, {len(added.plans)} service plans",
    )
    return added


def load_catalog(session: Session) -> Catalog:
    """The whole catalog as stored (a few thousand rows: read in five queries)."""
    plans = tuple(
        CatalogPlan(row.id, row.name, row.friendly_name)
        for row in session.scalars(select(ServicePlan).order_by(ServicePlan.name))
    )
    plans_of: dict[UUID, list[UUID]] = {}
    for sku_id, plan_id in session.execute(select(ProductPlan.sku_id, ProductPlan.plan_id)):
        plans_of.setdefault(sku_id, []).append(plan_id)
    products = tuple(
        CatalogProduct(
            row.sku_id,
            row.sku_part_number,
            row.display_name,
            tuple(sorted(plans_of.get(row.sku_id, ()))),
        )
        for row in session.scalars(select(Product).order_by(Product.sku_part_number))
    )
    sets: dict[str, set[UUID]] = {}
    for name, plan_id in session.execute(
        select(ExclusiveSetPlan.set_name, ExclusiveSetPlan.plan_id)
    ):
        sets.setdefault(name, set()).add(plan_id)
    alternatives: dict[UUID, dict[int, set[UUID]]] = {}
    for row in session.scalars(select(PlanDependency)):
        alternatives.setdefault(row.plan_id, {}).setdefault(row.alternative, set()).add(
            row.required_plan_id
        )
    restrictions = tuple(
        LocationRestriction(
            plan_ids=row.plan_ids,
            prohibited=_codes(row.prohibited) or frozenset(),
            allowed=_codes(row.allowed),
            note=row.note,
        )
        for row in session.scalars(select(LocationRow).order_by(LocationRow.id))
    )
    return Catalog(
        plans=plans,
        products=products,
        exclusive_sets=tuple(ExclusiveSet(n, frozenset(p)) for n, p in sorted(sets.items())),
        dependencies=tuple(
            Dependency(plan_id, tuple(frozenset(alts[i]) for i in sorted(alts)))
            for plan_id, alts in alternatives.items()
        ),
        location_restrictions=restrictions,
    )


def _codes(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(code for code in text.split(",") if code)


class _Version(NamedTuple):
    org_id: UUID
    version: int


_VERSION = Prepared(select(Organization.id, Organization.catalog_version), _Version)


def prepare(db: Database) -> None:
    """Build the rules in force, if they changed, in a read transaction of their own.

    Called before a write transaction that may need them: building them inside it would
    hold the write lock (on SQLite, the whole database's) for as long as it takes. The
    version is checked with one prepared read (every write pays it: an ORM session's
    transaction cost a tenth of a SCIM create); a session only when the rules are built.
    """
    with db.prepared() as reader:
        if cached(*reader.one(_VERSION)) is not None:
            return
    with db.reading() as session:
        current(session)


def current(session: Session) -> InForce:
    """The rules and catalog in force, loaded once per catalog version and process.

    Writers call `prepare` first, so that this is a lookup in their transaction.
    """
    org_id, version = session.execute(select(Organization.id, Organization.catalog_version)).one()
    key = (org_id, version)
    found = _rulebooks.get(key)
    if found is None:
        catalog = load_catalog(session)
        found = InForce(to_rulebook(catalog), catalog)
        _rulebooks.clear()
        _rulebooks[key] = found
    return found


def cached(org_id: UUID, version: int) -> InForce | None:
    """What `current` holds for that catalog version, without a session (None: not built
    in this process yet). The hot reads check it with one prepared query."""
    return _rulebooks.get((org_id, version))


def rulebook(session: Session) -> RuleBook:
    return current(session).rules


def find_product(session: Session, ref: str | UUID) -> CatalogProduct:
    """A product by skuId or skuPartNumber (case-insensitive)."""
    product = current(session).catalog.product(str(ref).strip())
    if product is None:
        raise NotFound("Product", ref)
    return product


def plan_ids(
    session: Session, product: CatalogProduct, refs: Iterable[str | UUID]
) -> frozenset[UUID]:
    """Plans of `product` named by servicePlanName or servicePlanId."""
    catalog = current(session).catalog
    found: set[UUID] = set()
    for ref in refs:
        text = str(ref).strip()
        matches = [catalog.plan(p) for p in product.plan_ids]
        plan = next(
            (
                p
                for p in matches
                if p is not None
                and (str(p.id) == text.lower() or p.name.casefold() == text.casefold())
            ),
            None,
        )
        if plan is None:
            raise BadRequest(
                f"Service plan '{text}' is not part of the product {product.sku_part_number}."
            )
        found.add(plan.id)
    return frozenset(found)


def plan_name(session: Session, plan_id: UUID) -> str:
    plan = current(session).catalog.plan(plan_id)
    return plan.name if plan else str(plan_id)
