"""Every operation of the Connect API, declared once.

An :class:`Endpoint` says all the client needs to call an operation: the HTTP
method and the path template, the shape of the response and its model, the
success status, and whether the call may be retried after it may have reached
the API. The resources bind these declarations to typed methods; the client has
one call path (``CariqaClient._call``) and one walk (``CariqaClient._walk``)
built on it. The contract test holds the table below against the spec in the
repository (``tests/data/cariqa-openapi.yml``).

Adding an operation is: a model (if it returns a new type), a line here, and a
resource method whose body is one call.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Hashable, Mapping
from types import NoneType
from typing import Any, ClassVar, Final, Generic, Literal, TypeVar

import attrs

from ._pagination import DRF, INVOICES, PageFormat
from ._protocol import API_PREFIX, segment
from .errors import AlreadyStoppedError, APIError, NotFoundError
from .models import (
    BillingDetails,
    ChargingSession,
    Debt,
    Invoice,
    Partner,
    PaymentMethod,
    SetupIntent,
    Station,
    Tile,
    User,
)

T = TypeVar("T")

#: What a successful response holds: one object, a DRF page, a plain JSON array,
#: or nothing (204).
Shape = Literal["object", "page", "array", "none"]

#: Methods whose repetition has the effect of one call (RFC 9110, 9.2.2).
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

_PARAM: Final = re.compile(r"\{([a-z_]+)\}")


class NotGiven:
    """The type of :data:`NOT_GIVEN`: a body field the caller left alone.

    ``None`` means "set this field to null", which ``PATCH`` needs to tell apart
    from "do not touch this field".
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


def body(**fields: object) -> dict[str, object]:
    """A JSON request body of the given fields, leaving out those :data:`NOT_GIVEN`.

    Example::

        >>> body(email=None, locale=NOT_GIVEN)
        {'email': None}
    """
    return {name: value for name, value in fields.items() if value is not NOT_GIVEN}


def _default_idempotent(endpoint: Endpoint[Any]) -> bool:
    return endpoint.method in IDEMPOTENT_METHODS


@attrs.frozen(slots=True)
class Endpoint(Generic[T]):
    """One operation of the API; its subclass says what a success holds.

    :class:`One` (an object), :class:`Paged` (a DRF page), :class:`Many` (a plain
    JSON array) or :class:`Empty` (no body, 204). The subclass types the call:
    ``_call(One[User])`` returns a ``User``, ``_page(Paged[User])`` a ``Page[User]``.

    Attributes:
        operation_id: the spec's ``operationId``, e.g. ``"users_retrieve"``.
        method: ``"GET"``, ``"POST"``, ``"PUT"``, ``"PATCH"`` or ``"DELETE"``.
        path: the template below ``/api/v1/``, e.g. ``"users/{user_id}/"``; every
            ``{name}`` is filled from a path argument checked by ``segment``.
        model: the class of the object, of each page item or array item.
        status: the success status the API documents (200, 201 or 204); strict
            mode (the test suite's) refuses another.
        idempotent: whether the call may be retried after it may have reached the
            API. Derived from the method (POST and PATCH are not) unless given.
        key: for pages, what identifies an item across pages: a field name, or a
            function of the model. The walk yields each key once.
        page_format: for pages, how the body reads (:data:`~._pagination.DRF`).
        done_if_retried: the error that, answering a *retry*, means an earlier
            attempt did the job (a DELETE's 404, a stop's ``already_stopped``): the
            call then succeeds. Answering the first attempt, or a retry after
            attempts that cannot have acted (429s, requests that never reached
            the API), it is raised.
    """

    shape: ClassVar[Shape]

    operation_id: str
    method: str
    path: str
    model: type[T]
    status: int = 200
    idempotent: bool = attrs.field(default=attrs.Factory(_default_idempotent, takes_self=True))
    key: str | Callable[[Any], Hashable] = "id"
    page_format: PageFormat = DRF
    done_if_retried: type[APIError] | None = None
    _params: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_params", tuple(_PARAM.findall(self.path)))

    @property
    def params(self) -> tuple[str, ...]:
        """The names of the path's parameters, in order."""
        return self._params

    def render(self, path_args: Mapping[str, object]) -> str:
        """The request path with every parameter filled in and percent-encoded.

        Raises:
            InvalidArgumentError: a value is empty or could change the path
                (``/``, ``..``, ``?``, ...).
        """
        path = self.path
        for name in self._params:
            path = path.replace(f"{{{name}}}", segment(path_args[name], name), 1)
        return API_PREFIX + path

    @property
    def model_key(self) -> Callable[[Any], Hashable]:
        """The walk's key of a model."""
        key = self.key
        return operator.attrgetter(key) if isinstance(key, str) else key

    @property
    def record_key(self) -> Callable[[Any], Hashable]:
        """The walk's key of a record (the API's dict), for exports.

        Raises:
            TypeError: the key is a function of the model, not a field name.
        """
        if not isinstance(self.key, str):
            raise TypeError(f"{self.operation_id}: records need a field name as the key")
        return operator.itemgetter(self.key)


@attrs.frozen(slots=True)
class One(Endpoint[T]):
    """An operation answering one object."""

    shape: ClassVar[Shape] = "object"


@attrs.frozen(slots=True)
class Paged(Endpoint[T]):
    """An operation answering a DRF page of objects (``page``/``page_size``)."""

    shape: ClassVar[Shape] = "page"


@attrs.frozen(slots=True)
class Many(Endpoint[T]):
    """An operation answering a plain JSON array of objects."""

    shape: ClassVar[Shape] = "array"


@attrs.frozen(slots=True)
class Empty(Endpoint[None]):
    """An operation answering no body (204); its model is ``NoneType``."""

    shape: ClassVar[Shape] = "none"


def station_key(station: Station) -> Hashable:
    """What identifies a station across pages: its id, or (the spec lets ``id`` be
    null) its name, address and coordinates."""
    if station.id is not None:
        return station.id
    where = station.coordinates
    return (station.name, station.address, where.latitude, where.longitude)


# --- the table: the spec's 22 operations, in its order of resources ---------------

USERS_LIST: Final = Paged("users_list", "GET", "users/", User)
USERS_CREATE: Final = One("users_create", "POST", "users/", User, 201)
USERS_RETRIEVE: Final = One("users_retrieve", "GET", "users/{user_id}/", User)
# PATCH sets the given fields to the given values: repeating it changes nothing more.
USERS_UPDATE: Final = One(
    "users_partial_update", "PATCH", "users/{user_id}/", User, idempotent=True
)
USERS_DELETE: Final = Empty(
    "users_destroy", "DELETE", "users/{user_id}/", NoneType, 204, done_if_retried=NotFoundError
)

BILLING_RETRIEVE: Final = One(
    "users_billing_details_retrieve", "GET", "users/{user_id}/billing-details/", BillingDetails
)
BILLING_UPDATE: Final = One(
    "users_billing_details_update", "PUT", "users/{user_id}/billing-details/", BillingDetails
)

PAYMENT_METHODS_LIST: Final = Paged(
    "users_payment_methods_list", "GET", "users/{user_id}/payment-methods/", PaymentMethod
)
PAYMENT_METHODS_DELETE: Final = Empty(
    "users_payment_methods_destroy",
    "DELETE",
    "users/{user_id}/payment-methods/{payment_method_id}/",
    NoneType,
    204,
    done_if_retried=NotFoundError,
)
# Making the same method the default twice leaves it the default.
PAYMENT_METHODS_SET_DEFAULT: Final = Empty(
    "users_payment_methods_default_create",
    "POST",
    "users/{user_id}/payment-methods/{payment_method_id}/default/",
    NoneType,
    204,
    idempotent=True,
)
SETUP_INTENT: Final = One(
    "users_setup_intents_retrieve", "GET", "users/{user_id}/setup-intents/", SetupIntent
)

CHARGING_START: Final = One(
    "users_charging_start_create",
    "POST",
    "users/{user_id}/charging/start/",
    ChargingSession,
    201,
)
# A repeated stop meets `already_stopped`, which the resource turns into success.
CHARGING_STOP: Final = Empty(
    "users_charging_stop_create",
    "POST",
    "users/{user_id}/charging/stop/{session_id}/",
    NoneType,
    204,
    idempotent=True,
    done_if_retried=AlreadyStoppedError,
)
SESSIONS_LIST: Final = Paged(
    "users_charging_sessions_list", "GET", "users/{user_id}/charging-sessions/", ChargingSession
)
SESSIONS_RETRIEVE: Final = One(
    "users_charging_sessions_retrieve",
    "GET",
    "users/{user_id}/charging-sessions/{session_id}/",
    ChargingSession,
)
# Setting a rating to a value twice leaves that value.
SESSIONS_RATE: Final = One(
    "users_charging_sessions_partial_update",
    "PATCH",
    "users/{user_id}/charging-sessions/{session_id}/",
    ChargingSession,
    idempotent=True,
)
DEBTS_LIST: Final = Paged(
    "users_charging_debts_list", "GET", "users/{user_id}/charging/debts/", Debt, key="session_id"
)
INVOICES_LIST: Final = Paged(
    "users_invoices_list",
    "GET",
    "users/{user_id}/invoices/",
    Invoice,
    key="link",
    page_format=INVOICES,
)

STATIONS_AROUND: Final = Paged(
    "stations_around_list", "GET", "stations/around/", Station, key=station_key
)
STATIONS_DETAILS: Final = One("stations_details_retrieve", "GET", "stations/details/", Station)
STATIONS_PARTNERS: Final = Many("stations_partners_list", "GET", "stations/partners/", Partner)
STATIONS_TILE: Final = One("stations_tile_retrieve", "GET", "stations/tile/", Tile)

#: Every declared operation, for the contract test.
ENDPOINTS: Final[tuple[Endpoint[Any], ...]] = (
    STATIONS_AROUND,
    STATIONS_DETAILS,
    STATIONS_PARTNERS,
    STATIONS_TILE,
    USERS_LIST,
    USERS_CREATE,
    USERS_RETRIEVE,
    USERS_UPDATE,
    USERS_DELETE,
    BILLING_RETRIEVE,
    BILLING_UPDATE,
    SESSIONS_LIST,
    SESSIONS_RETRIEVE,
    SESSIONS_RATE,
    DEBTS_LIST,
    CHARGING_START,
    CHARGING_STOP,
    INVOICES_LIST,
    PAYMENT_METHODS_LIST,
    PAYMENT_METHODS_DELETE,
    PAYMENT_METHODS_SET_DEFAULT,
    SETUP_INTENT,
)
