"""Known drift between the API's docs and its spec: both sides parse, even in strict mode."""

from __future__ import annotations

from typing import Any

import pytest

from cariqa_async._pagination import structure_page
from cariqa_async.models import (
    BillingDetails,
    Debt,
    Invoice,
    InvoicePage,
    SetupIntent,
    Tile,
    TileFeature,
    TileGeometry,
)

from ._model_samples import (
    FAST,
    STRICT,
    Boom,
    ref,
    sample,
    structure,
    validate,
    with_value,
    without,
)

SETI = "seti_1THkgXHtgZxQ1KXxOhLbYQKU_secret_UGHFCX0iihdboXkwx4QfiR9V2ma55vk"
PI = "pi_3TD2aBHtgZxQ1KXx0rT5mQ2c_secret_kX9VhQm0cWq1bN3sZ2"


# -- setup intents and debts: client_secret (docs) / *_client_secret (spec) -------


@pytest.mark.parametrize("name", ["setup_intent", "setup_intent_docs"])
def test_setup_intent_in_both_shapes(name: str) -> None:
    raw = sample(name)
    for structurer in (FAST, STRICT):
        intent = structurer.one(raw, SetupIntent, Boom)
        assert intent.secret == SETI
        assert structurer.unstructure(intent) == raw  # each shape comes back as it came
        assert SETI not in repr(intent)
    spec_shaped = {"setup_intent_client_secret": raw.get("client_secret", SETI)}
    validate(spec_shaped, ref("ConnectAPISetupIntent"))


def test_the_docs_setup_intent_is_the_only_drift_from_the_spec() -> None:
    with pytest.raises(Exception, match="setup_intent_client_secret"):
        validate(sample("setup_intent_docs"), ref("ConnectAPISetupIntent"))


@pytest.mark.parametrize("name", ["debts_page", "debts_page_docs"])
def test_debts_in_both_shapes(name: str) -> None:
    raw = sample(name)
    for structurer in (FAST, STRICT):
        debt = structure_page(structurer, raw, Debt, on_error=Boom).results[0]
        assert debt.secret == PI
        assert structurer.unstructure(debt) == raw["results"][0]
        assert PI not in repr(debt)
        assert "12.40" in repr(debt)
    item = raw["results"][0]
    spec_shaped = {**item, "payment_intent_client_secret": PI}
    spec_shaped.pop("client_secret", None)
    validate({**raw, "results": [spec_shaped]}, ref("PaginatedConnectAPIDebtList"))


def test_a_debt_without_any_secret_still_parses() -> None:
    raw = without(sample("debts_page"), ("results", 0, "payment_intent_client_secret"))
    for structurer in (FAST, STRICT):
        assert structure_page(structurer, raw, Debt, on_error=Boom).results[0].secret is None


def test_when_both_names_come_the_specs_wins() -> None:
    raw = {"setup_intent_client_secret": "seti_spec", "client_secret": "seti_docs"}
    assert STRICT.one(raw, SetupIntent, Boom).secret == "seti_spec"
    assert STRICT.one({"client_secret": "seti_docs"}, SetupIntent, Boom).secret == "seti_docs"


# -- invoices: the DRF page (spec) and {size, next_page_id, prev_page_id, data} (docs)


def test_invoices_drf_page() -> None:
    raw = sample("invoices_page")
    for structurer in (FAST, STRICT):
        page = structure("invoices", raw, InvoicePage, structurer)
        assert (page.count, page.previous) == (3, None)
        assert page.next is not None
        assert page.next.endswith("?page=2&page_size=2")
        assert (page.size, page.next_page_id, page.prev_page_id, page.view_link) == (None,) * 4
        assert len(page) == 2
        assert all(type(invoice) is Invoice for invoice in page.results)


def test_invoices_docs_envelope() -> None:
    raw = sample("invoices_page_docs")
    for structurer in (FAST, STRICT):
        page = structure("invoices", raw, InvoicePage, structurer)
        assert (page.count, page.next, page.previous) == (None, None, None)
        assert (page.size, page.next_page_id, page.prev_page_id) == (
            2, "in_1TD1LuHtgZxQ1KXx7QmWcB2e", None
        )  # fmt: skip
        assert page.view_link == "https://invoice.stripe.com/i/acct_1LKJg9HtgZxQ1KXx"
        assert page.results[0].view_link is not None
        assert page.results[0].view_link.startswith("https://invoice.stripe.com/")
        assert [structurer.unstructure(i) for i in page.results] == raw["data"]
    # The invoices themselves are the spec's, plus view_link (extra fields are allowed).
    validate(raw["data"], {"type": "array", "items": ref("ConnectAPIInvoiceList")})
    with pytest.raises(Exception, match="count"):
        validate(raw, ref("PaginatedConnectAPIInvoiceListList"))


def test_invoices_docs_envelope_variants() -> None:
    raw = sample("invoices_page_docs")
    # The API reference spells it previous_page_id; ids may be numbers; view_link may be absent.
    renamed = {**without(raw, ("prev_page_id",)), "previous_page_id": 1, "next_page_id": 3}
    del renamed["view_link"]
    for structurer in (FAST, STRICT):
        page = structure("invoices", renamed, InvoicePage, structurer)
        assert (page.next_page_id, page.prev_page_id, page.view_link) == ("3", "1", None)
    last = structure("invoices", {"data": []}, InvoicePage, FAST)
    assert (last.results, last.next_page_id, last.size) == ((), None, None)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: with_value(d, ("data",), {}), "data", "expected a list"),
        (lambda d: with_value(d, ("data", 1, "total"), 18.72), "data[1].total", "decimal"),
        (lambda d: with_value(d, ("size",), -1), "size", "non-negative"),
        (lambda d: with_value(d, ("size",), True), "size", "non-negative"),
        (lambda d: with_value(d, ("next_page_id",), 2.0), "next_page_id", "an id"),
        (lambda d: with_value(d, ("prev_page_id",), True), "prev_page_id", "an id"),
        (lambda d: with_value(d, ("view_link",), 1), "view_link", "URL"),
        (lambda d: {"size": 1}, "", "expected an invoice page"),
        (lambda d: [d], "", "expected an invoice page object"),
        (lambda d: {"count": 1, "results": "x"}, "results", "expected a list"),
        (lambda d: {"count": -1, "results": []}, "count", "non-negative"),
    ],
)
def test_a_bad_invoice_page_names_the_field(change: Any, field: str, message: str) -> None:
    for structurer in (FAST, STRICT):
        with pytest.raises(Boom) as info:
            structure("invoices", change(sample("invoices_page_docs")), InvoicePage, structurer)
        assert info.value.field == field
        assert message in info.value.message


def test_strict_invoices_docs_envelope_refuses_unknown_and_missing_fields() -> None:
    raw = sample("invoices_page_docs")
    assert structure("invoices", {**raw, "extra": 1}, InvoicePage, FAST).size == 2
    with pytest.raises(Boom, match="unknown field"):
        structure("invoices", {**raw, "extra": 1}, InvoicePage, STRICT)
    with pytest.raises(Boom, match=r"missing field.*next_page_id"):
        structure("invoices", without(raw, ("next_page_id",)), InvoicePage, STRICT)
    with pytest.raises(Boom, match="unknown field"):
        structure("invoices", {**sample("invoices_page"), "size": 1}, InvoicePage, STRICT)


# -- tile coordinates: strings (spec) or numbers (its description) -------------------


@pytest.mark.parametrize(
    ("coordinates", "text"),
    [
        (["52.521918", "13.413215"], ("52.521918", "13.413215")),
        ([52.521918, 13.413215], ("52.521918", "13.413215")),
        ([52.5, 13], ("52.5", "13")),
        (["52.50", 13.40], ("52.50", "13.4")),  # text is kept exactly; a number has no trailing 0
        ([-33.8688, 151.2093], ("-33.8688", "151.2093")),
        ([1e-07, 0.0], ("1e-07", "0.0")),
    ],
)
def test_tile_coordinates_as_strings_or_numbers_are_text(
    coordinates: list[Any], text: tuple[str, ...]
) -> None:
    raw = with_value(sample("tile"), ("features", 0, "geometry", "coordinates"), coordinates)
    for structurer in (FAST, STRICT):
        geometry = structurer.one(raw, Tile, Boom).features[0].geometry
        assert geometry == TileGeometry(text)  # type: ignore[arg-type]
        assert all(type(value) is str for value in geometry.coordinates)
        assert structurer.unstructure(geometry)["coordinates"] == list(text)


@pytest.mark.parametrize("bad", [True, None, float("inf"), float("nan"), [52.5], {"lat": 1}])
def test_tile_coordinates_refuse_other_json(bad: Any) -> None:
    raw = with_value(sample("tile"), ("features", 1, "geometry", "coordinates", 0), bad)
    for structurer in (FAST, STRICT):
        with pytest.raises(Boom) as info:
            structurer.one(raw, Tile, Boom)
        assert info.value.field == "features[1].geometry.coordinates[0]"
        assert "expected a number or its text" in info.value.message


def test_check_only_accepts_numeric_coordinates_and_returns_them_unchanged() -> None:
    raw = with_value(sample("tile"), ("features", 0, "geometry", "coordinates"), [52.5, 13.4])
    assert FAST.check_many([raw], Tile, Boom) == [raw]
    bad = with_value(raw, ("features", 0, "geometry", "coordinates", 0), False)
    with pytest.raises(Boom) as info:
        FAST.check_many([bad], Tile, Boom)
    assert info.value.field == "results[0].features[0].geometry.coordinates[0]"


def test_a_tile_feature_has_a_station_id_or_a_cluster_id_even_in_strict_mode() -> None:
    feature = sample("tile")["features"][1]
    assert "station_id" not in feature
    assert "operator_id" not in feature["properties"]
    parsed = STRICT.one(feature, TileFeature, Boom)
    assert (parsed.station_id, parsed.cluster_id) == (None, "cluster-14-8802-5373-17")
    assert STRICT.unstructure(parsed) == feature  # no "station_id": null appears
    with pytest.raises(Boom, match=r"missing field.*custom_properties"):
        STRICT.one(without(feature, ("custom_properties",)), TileFeature, Boom)


# -- billing details: the docs show null address fields and no tax_id ----------------


def test_billing_details_of_a_new_user_as_the_docs_show_them() -> None:
    raw = {
        "country": None, "city": None, "account_type": "personal", "company_name": None,
        "vat_id": None, "line1": None, "postal_code": None, "first_name": None, "last_name": None,
    }  # fmt: skip
    for structurer in (FAST, STRICT):
        details = structurer.one(raw, BillingDetails, Boom)
        assert (details.line1, details.postal_code, details.tax_id) == (None, None, None)
        assert structurer.unstructure(details) == raw
