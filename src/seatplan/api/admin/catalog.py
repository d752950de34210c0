"""`/admin/catalog`: the products and service plans, and importing a custom catalog file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from seatplan.api.admin.routes import admin
from seatplan.api.deps import SessionDep, WriteSessionDep
from seatplan.services import catalog, reports
from seatplan.services.errors import BadRequest
from seatplan.shapes import admin as shapes


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]
router = APIRouter(prefix="/catalog", tags=["admin: catalog"])

_TOML = {
    "text/plain": {"schema": {"type": "string"}},
    "application/toml": {"schema": {"type": "string"}},
}


@router.get("/products", **admin("Catalog products"))
def products(
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=256)] = None,
) -> list[shapes.CatalogProduct]:
    """Built-in and imported products; `search` matches part number or name."""
    return [shapes.catalog_product(p) for p in reports.products(session, search=search)]


@router.get("/products/{sku}", **admin("A product with its service plans"))
def product(
    sku: Annotated[str, Path(description="skuId or skuPartNumber.", max_length=128)],
    session: SessionDep,
) -> shapes.CatalogProductDetail:
    found = catalog.find_product(session, sku)
    return shapes.catalog_product_detail(found, reports.product_plans(session, sku_id=found.sku_id))


@router.post(
    "/import",
    **admin("Import a custom catalog file (TOML, the request body)"),
    openapi_extra={"requestBody": {"required": True, "content": _TOML}},
)
def import_catalog(raw: RawBody, session: WriteSessionDep) -> shapes.ImportResult:
    """Every problem of the file is answered at once (400, one per line); then nothing
    is imported."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadRequest(f"The catalog file is not UTF-8: {error.reason}.") from error
    if "\x00" in text:
        raise BadRequest("The catalog file must not contain NUL characters.")
    added = catalog.import_text(session, text, source="request")
    return shapes.import_result(added)
