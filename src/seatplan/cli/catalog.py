"""`seatplan catalog`: import custom catalog files, browse products and their plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seatplan.cli import output
from seatplan.cli.context import Json, database
from seatplan.services import catalog, reports, transaction
from seatplan.shapes import admin as shapes

app = typer.Typer(help="The catalog of products and service plans.", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A custom catalog file (TOML, docs/catalog.md).")],
) -> None:
    """Check a custom catalog file and add its items.

    Every problem of the file is printed, one per line, and then nothing is imported.
    """
    with transaction.writing(database()) as session:
        added = catalog.import_file(session, file)
    output.say(
        f"Imported {file}: {len(added.products)} products, {len(added.plans)} service plans, "
        f"{len(added.exclusive_sets)} exclusive sets, {len(added.dependencies)} dependencies, "
        f"{len(added.location_restrictions)} location restrictions.",
        output.OK,
    )


@app.command("products")
def products(
    search: Annotated[
        str | None, typer.Option("--search", help="Part of the skuPartNumber or name.")
    ] = None,
    json: Json = False,
) -> None:
    """Products of the catalog (built-in and imported)."""
    with database().reading() as session:
        items = reports.products(session, search=search)
    if json:
        output.print_json([shapes.catalog_product(p) for p in items])
        return
    output.table(
        ["SKU", "Name", "Plans", "skuId"],
        ([p.sku_part_number, p.display_name, str(len(p.plan_ids)), str(p.sku_id)] for p in items),
    )


@app.command("show")
def show(
    sku: Annotated[str, typer.Argument(help="skuPartNumber or skuId.")], json: Json = False
) -> None:
    """The service plans of a product."""
    with database().reading() as session:
        product = catalog.find_product(session, sku)
        plans = reports.product_plans(session, sku_id=product.sku_id)
    if json:
        output.print_json(shapes.catalog_product_detail(product, plans))
        return
    output.table(
        ["Plan", "Friendly name", "servicePlanId"],
        ([p.name, p.friendly_name, str(p.id)] for p in plans),
        title=f"{product.sku_part_number} — {product.display_name} ({product.sku_id})",
    )
