"""The SDK's one private cattrs converter, built by :func:`make_converter`.

Design, for speed and for clear errors:

* Structure hooks are generated once per class (``make_dict_structure_fn``) with
  cattrs' detailed validation off: that is the fast path every response takes.
* Only when the fast path fails is the payload structured again by a twin
  converter with detailed validation, to name the offending field path
  (``results[3].session_cost.kwh_cost``) in a :class:`SchemaError`.
* Scalars are checked, never coerced: ``"5"`` is not an int and ``5.39`` is not a
  Decimal, so drift in the API's types is reported instead of silently absorbed.
* Forward compatible by default (unknown fields are ignored); ``strict=True``
  rejects unknown fields and requires every field to be present (our tests run
  all fixtures and sandbox output through it, so drift is noticed), except the
  fields a model marks :data:`~cariqa_async.models._fields.MAY_BE_ABSENT` (one
  side of a known docs/spec naming drift); those are also left out of the JSON
  a model unstructures to while they are ``None``, so either shape round-trips.
"""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from types import NoneType
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import (
    make_dict_structure_fn,
    make_dict_unstructure_fn,
    make_mapping_structure_fn,
    override,
)
from cattrs.v import transform_error

from .errors import InvalidArgumentError
from .models import OpenStrEnum
from .models._fields import MAY_BE_ABSENT, NumberText

T = TypeVar("T")

__all__ = ["Structurer", "make_converter"]

_VALUE_CHARS: Final = 40
# Python 3.10's fromisoformat knows neither "Z" nor fractions other than 3 or 6
# digits; this is the fallback for those (3.11+ handles them natively).
_ISO_RE: Final = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
    r"(Z|[+-]\d\d:?\d\d)?\Z",
    re.IGNORECASE,
)


class _Mismatch(ValueError):
    """A JSON value of the wrong type or format; the message says which."""


def shown(value: object) -> str:
    """A value as an error message shows it: its repr, cut to a few dozen characters."""
    text = repr(value)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 3] + "..."


def _structure_str(value: Any, _: type) -> str:
    if type(value) is str:
        return value
    raise _Mismatch(f"expected a string, got {shown(value)}")


def _structure_int(value: Any, _: type) -> int:
    if type(value) is int:
        return value
    raise _Mismatch(f"expected an integer, got {shown(value)}")


def _structure_float(value: Any, _: type) -> float:
    kind = type(value)
    if kind is float or kind is int:
        return float(value)
    raise _Mismatch(f"expected a number, got {shown(value)}")


def _structure_number_text(value: Any, _: type) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int or (kind is float and math.isfinite(value)):
        return repr(value)  # the shortest text that reads back as the same number
    raise _Mismatch(f"expected a number or its text, got {shown(value)}")


def _structure_bool(value: Any, _: type) -> bool:
    if type(value) is bool:
        return value
    raise _Mismatch(f"expected true or false, got {shown(value)}")


_DECIMALS_MAX: Final = 16384
_MAGNITUDE: Final = 24


def _structure_decimal(value: Any, _: type | None) -> Decimal:
    return _parse_decimal(value, None)


def _parse_decimal(value: Any, cache: dict[str, Decimal] | None) -> Decimal:
    if type(value) is str:
        try:
            number = Decimal(value)
        except InvalidOperation:
            pass
        else:
            # Finite and of sane magnitude: "1e999999999" is valid decimal syntax, but
            # as money it is an attack on whoever computes with it next.
            if number.is_finite() and -_MAGNITUDE <= number.adjusted() <= _MAGNITUDE:
                if cache is not None:
                    if len(cache) >= _DECIMALS_MAX:
                        cache.clear()  # bounded; the common amounts come back at once
                    cache[value] = number
                return number
    raise _Mismatch(f"expected a decimal string, got {shown(value)}")


def _structure_datetime(value: Any, _: type) -> datetime:
    if type(value) is str:
        parsed: datetime | None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = _parse_iso_fallback(value)
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise _Mismatch(f"expected an ISO-8601 date-time with a time zone, got {shown(value)}")


def _parse_iso_fallback(value: str) -> datetime | None:
    match = _ISO_RE.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    text = f"{year}-{month}-{day}T{hour}:{minute}:{second or '00'}.{micros:06d}"
    if zone:
        zone = "+00:00" if zone.upper() == "Z" else zone
        text += zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _open_enum_hook(*, strict: bool) -> Callable[[Any, type], Any]:
    """Structure an :class:`OpenStrEnum`: unknown values become members, unless strict."""

    def structure_open_enum(value: Any, cls: type[OpenStrEnum]) -> OpenStrEnum:
        if type(value) is str:
            member = cls._value2member_map_.get(value)
            if member is not None:
                return member  # type: ignore[return-value]
            if not strict:
                return cls(value)
            known = ", ".join(repr(v) for v in cls._value2member_map_)
            raise _Mismatch(f"unknown {cls.__name__} {shown(value)}; known: {known}")
        raise _Mismatch(f"expected a string, got {shown(value)}")

    return structure_open_enum


def _is_sequence(kind: Any) -> bool:
    """``list[X]`` or ``tuple[X, ...]``: a JSON array of one item type."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is list:
        return len(args) == 1
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _sequence_factory(
    converter: cattrs.Converter, *, detailed: bool, check_only: bool
) -> Callable[[Any], Callable[[Any, type], Any]]:
    """Hooks for JSON arrays: only a real list is accepted (never a string or an
    object, which cattrs would iterate), and each item gets its own hook."""

    def factory(kind: Any) -> Callable[[Any, type], Any]:
        item_type = typing.get_args(kind)[0]
        item = converter.get_structure_hook(item_type)
        build: Callable[[list[Any]], Any] = tuple if typing.get_origin(kind) is tuple else list

        def structure_sequence(value: Any, _: type) -> Any:
            if type(value) is not list:
                raise _Mismatch(f"expected a list, got {shown(value)}")
            if not detailed:
                items = [item(element, item_type) for element in value]
                return value if check_only else build(items)
            # Detailed: every failing index, as cattrs reports them, for the field path.
            errors: list[Exception] = []
            items = []
            for index, element in enumerate(value):
                try:
                    items.append(item(element, item_type))
                except Exception as exc:
                    note = IterableValidationNote(f"@ index {index}", index, item_type)
                    # PEP 678 notes (3.11+; cattrs reads them on 3.10 too) carry the index.
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {kind!r}", errors, kind)
            return build(items)

        return structure_sequence

    return factory


def _is_dict(kind: Any) -> bool:
    return typing.get_origin(kind) is dict


def _dict_factory(converter: cattrs.Converter) -> Callable[[Any], Callable[[Any, type], Any]]:
    """Hooks for ``dict[K, V]``: only a JSON object is accepted (cattrs would call
    ``.items()`` on anything and report an AttributeError)."""

    def factory(kind: Any) -> Callable[[Any, type], Any]:
        structure = make_mapping_structure_fn(kind, converter)

        def structure_dict(value: Any, cls: type) -> Any:
            if type(value) is not dict:
                raise _Mismatch(f"expected an object, got {shown(value)}")
            return structure(value, cls)

        return structure_dict

    return factory


def _unstructure_datetime(value: datetime) -> str:
    # Exactly as Django REST Framework renders a UTC datetime: "...+00:00" -> "...Z".
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _require_all(
    structure: Callable[[Any, type], Any], names: frozenset[str]
) -> Callable[[Any, type], Any]:
    """Strict mode: a field absent from the payload is an error even if it has a default."""

    def hook(value: Any, cls: type) -> Any:
        if isinstance(value, Mapping):
            missing = names.difference(value)
            if missing:
                raise _Mismatch(f"missing field(s): {', '.join(sorted(missing))}")
        return structure(value, cls)

    return hook


def _not_a_mapping(structure: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    def hook(value: Any, cls: type) -> Any:
        if not isinstance(value, Mapping):
            raise _Mismatch(f"expected an object, got {shown(value)}")
        return structure(value, cls)

    return hook


def _is_optional(kind: Any) -> bool:
    args = typing.get_args(kind)
    return (
        typing.get_origin(kind) in (typing.Union, types.UnionType)
        and len(args) == 2
        and NoneType in args
    )


_SCALAR_CHECKS: Final[Mapping[Any, str]] = {
    str: "type({v}) is str",
    int: "type({v}) is int",
    bool: "type({v}) is bool",
}


def _fast_structure_fn(
    cls: type, converter: cattrs.Converter, decimals: dict[str, Decimal], *, build: bool = True
) -> Callable[[Any, type], Any]:
    """Generate a flat structure function for an attrs class, with every check inlined.

    cattrs' generated functions call one hook per field (two for Optional); for a
    session's ~40 fields those calls cost more than parsing the JSON. This emits
    the checks inline, nested attrs classes included (one function builds a
    session and its three parts), and calls out only for rarer types. It accepts
    exactly what the hooks above accept (a property test pins that); on any
    failure it just raises, and the detailed twin converter explains where.

    With ``build=False`` it only checks, with the very same code, and returns the
    payload unchanged: for exports that write what the API sent.
    """
    env: dict[str, Any] = {
        "_decimals": decimals,
        "_decimal": _parse_decimal,
        "_datetime": _structure_datetime,
        "_fromiso": datetime.fromisoformat,
        "_float": float,
        "_dict": dict,
        "_new": object.__new__,
        "_Mismatch": _Mismatch,
        "_MISSING": attrs.NOTHING,
    }
    lines = [f"def structure_{cls.__name__}(o, _=None):"]
    result = _emit_class(cls, "o", "", "    ", lines, env, converter, build=build, depth=0)
    lines.append(f"    return {result}")
    source = "\n".join(lines)
    exec(compile(source, f"<cariqa_async structure {cls.__name__}>", "exec"), env)  # noqa: S102
    return env[f"structure_{cls.__name__}"]  # type: ignore[no-any-return]


#: Nested attrs classes deeper than this are structured by a call, not inline.
_INLINE_DEPTH: Final = 3


def _emit_class(
    cls: type,
    src: str,
    prefix: str,
    indent: str,
    lines: list[str],
    env: dict[str, Any],
    converter: cattrs.Converter,
    *,
    build: bool,
    depth: int,
) -> str:
    """Emit the lines that check (and build) ``cls`` from the dict in variable ``src``.

    Returns the expression for the result. Names get ``prefix`` so that inlined
    nested classes do not clash with their parent's.
    """
    env[f"_cl{prefix}"] = cls
    names = []
    fields = attrs.fields(attrs.resolve_types(cls))
    for index, field in enumerate(fields):
        var = f"v{prefix}{index}"
        names.append(var)
        kind = field.type
        optional = _is_optional(kind)
        if optional:
            kind = next(arg for arg in typing.get_args(kind) if arg is not NoneType)
        if field.default is attrs.NOTHING:
            lines.append(f"{indent}{var} = {src}[{field.name!r}]")
            branch = "if"
        elif field.default is None and optional:
            # Absent reads as None, which is the default and passes the checks.
            lines.append(f"{indent}{var} = {src}.get({field.name!r})")
            branch = "if"
        else:
            # An absent field takes its default as is: the default (e.g. an empty
            # tuple) is no JSON value and must not meet the JSON checks.
            env[f"_d{prefix}{index}"] = field.default
            lines.append(f"{indent}{var} = {src}.get({field.name!r}, _MISSING)")
            lines.append(f"{indent}if {var} is _MISSING: {var} = _d{prefix}{index}")
            branch = "elif"
        check = _SCALAR_CHECKS.get(kind)
        if check is not None:
            test = check.format(v=var)
            if optional:
                test = f"{var} is None or {test}"
            lines.append(f"{indent}{branch} not ({test}): raise _Mismatch()")
            continue
        lines.append(
            f"{indent}{branch} {var} is not None:" if optional else f"{indent}{branch} True:"
        )
        inner = indent + "    "
        if kind is Decimal:
            # Money repeats ("0.00" several times per session) and Decimals are
            # immutable, so parsed values are shared through a small cache.
            lines.append(f"{inner}d = _decimals.get({var})")
            lines.append(f"{inner}{var} = _decimal({var}, _decimals) if d is None else d")
        elif kind is float:
            lines.append(f"{inner}if type({var}) is int: {var} = _float({var})")
            lines.append(f"{inner}elif type({var}) is not float: raise _Mismatch()")
        elif kind is datetime:
            # fromisoformat first; _datetime knows the forms it does not (3.10).
            lines.append(f"{inner}if type({var}) is not str: raise _Mismatch()")
            lines.append(f"{inner}try: {var} = _fromiso({var})")
            lines.append(f"{inner}except ValueError: {var} = _datetime({var}, None)")
            lines.append(f"{inner}if {var}.tzinfo is None: raise _Mismatch()")
        elif attrs.has(kind) and depth < _INLINE_DEPTH and _inlinable(kind, converter):
            # A JSON object only: the hook it replaces rejects anything else too
            # (by failing to look a field up), and so does this.
            lines.append(f"{inner}if type({var}) is not _dict: raise _Mismatch()")
            nested = _emit_class(
                kind,
                var,
                f"{prefix}{index}_",
                inner,
                lines,
                env,
                converter,
                build=build,
                depth=depth + 1,
            )
            if nested != var:
                lines.append(f"{inner}{var} = {nested}")
        else:
            env[f"_h{prefix}{index}"] = converter.get_structure_hook(kind)
            env[f"_t{prefix}{index}"] = kind
            lines.append(f"{inner}{var} = _h{prefix}{index}({var}, _t{prefix}{index})")
    if not build:
        return src
    result = f"r{prefix}"
    plain = _plain_slotted(cls)
    builder = _builder(cls) if plain else None
    if builder is not None:
        # A frozen class's __init__ calls object.__setattr__ once per field (~80 ns
        # each, 42 per session). Its mutable twin takes plain attribute stores
        # (~15 ns), and the finished object then becomes the frozen class itself.
        env[f"_b{prefix}"] = builder
        lines.append(f"{indent}{result} = _new(_b{prefix})")
        for index, field in enumerate(fields):
            lines.append(f"{indent}{result}.{field.name} = v{prefix}{index}")
        lines.append(f"{indent}{result}.__class__ = _cl{prefix}")
    elif plain:
        # Setting the slots through their descriptors skips __init__'s
        # object.__setattr__ calls: the identical object, ~25% faster.
        lines.append(f"{indent}{result} = _new(_cl{prefix})")
        for index, field in enumerate(fields):
            env[f"_s{prefix}{index}"] = getattr(cls, field.name).__set__
            lines.append(f"{indent}_s{prefix}{index}({result}, v{prefix}{index})")
    else:
        lines.append(f"{indent}{result} = _cl{prefix}({', '.join(names)})")
    return result


def _inlinable(cls: type, converter: cattrs.Converter) -> bool:
    """Whether ``cls`` is structured by this converter's generated fast hook.

    A class with a hook of its own (registered for it) keeps that hook.
    """
    return getattr(converter.get_structure_hook(cls), "__name__", "") == f"structure_{cls.__name__}"


@functools.cache
def _builder(cls: type) -> type | None:
    """A mutable class with ``cls``'s exact memory layout, or None if there is none.

    An object built as the twin can be turned into a ``cls`` by assigning its
    ``__class__``: Python allows that between classes whose slots are the same.
    That is checked here once, on a probe; a class it does not hold for (one with
    a ``__weakref__`` slot, or on an interpreter that refuses) is built through
    its slot descriptors instead.
    """
    slots = tuple(getattr(cls, "__slots__", ()))
    if not slots or "__weakref__" in slots or "__dict__" in slots:
        return None
    twin = type(f"_{cls.__name__}Builder", (), {"__slots__": slots, "__module__": __name__})
    probe: Any = object.__new__(twin)
    try:
        probe.__class__ = cls
    except TypeError:
        return None
    return twin


def _plain_slotted(cls: type) -> bool:
    params = getattr(cls, "__attrs_attrs__", ())
    return (
        "__slots__" in cls.__dict__
        and not any(field.validator or field.converter or not field.init for field in params)
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and not getattr(cls, "__attrs_cached_hash__", False)
    )


def make_converter(
    *, strict: bool = False, detailed: bool = False, check_only: bool = False
) -> cattrs.Converter:
    """Build the converter used for every model.

    Args:
        strict: reject unknown fields and require every field to be present.
        detailed: collect field paths on failure (slower; used to explain errors).
        check_only: its structure hooks validate and return the JSON unchanged.
    """
    converter = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=strict)
    for kind, hook in (
        (str, _structure_str),
        (int, _structure_int),
        (float, _structure_float),
        (bool, _structure_bool),
        (Decimal, _structure_decimal),
        (datetime, _structure_datetime),
    ):
        converter.register_structure_hook(kind, hook)
    converter.register_structure_hook(NumberText, _structure_number_text)
    # On the base class, so singledispatch prefers it to the `str` hook for every
    # subclass (a predicate hook would lose to `str` and yield plain strings).
    converter.register_structure_hook(OpenStrEnum, _open_enum_hook(strict=strict))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)

    # Parsed amounts, shared by this converter's classes (Decimals are immutable).
    decimals: dict[str, Decimal] = {}

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        if not (strict or detailed):
            return _fast_structure_fn(cls, converter, decimals, build=not check_only)
        generated: Callable[[Any, type], Any] = make_dict_structure_fn(
            cls,
            converter,
            _cattrs_forbid_extra_keys=strict,
            _cattrs_detailed_validation=detailed,
        )
        if strict:
            names = frozenset(
                field.name for field in attrs.fields(cls) if not field.metadata.get(MAY_BE_ABSENT)
            )
            generated = _require_all(generated, names)
        return _not_a_mapping(generated) if detailed else generated

    def optional_factory(kind: Any) -> Callable[[Any, type], Any]:
        # cattrs' own Optional hook dispatches on every call; resolve the inner hook
        # once instead.
        inner_type = next(arg for arg in typing.get_args(kind) if arg is not NoneType)
        inner = converter.get_structure_hook(inner_type)

        def structure_optional(value: Any, _: type) -> Any:
            return None if value is None else inner(value, inner_type)

        return structure_optional

    def unstructure_factory(cls: type) -> Callable[[Any], Any]:
        absent: dict[str, Any] = {
            field.name: override(omit_if_default=True)
            for field in attrs.fields(cls)
            if field.metadata.get(MAY_BE_ABSENT)
        }
        return make_dict_unstructure_fn(cls, converter, **absent)

    converter.register_structure_hook_factory(
        _is_sequence, _sequence_factory(converter, detailed=detailed, check_only=check_only)
    )
    converter.register_structure_hook_factory(_is_dict, _dict_factory(converter))
    converter.register_structure_hook_factory(_is_optional, optional_factory)
    converter.register_structure_hook_factory(attrs.has, structure_factory)
    converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return converter


class Structurer:
    """Turns decoded JSON into models, raising :class:`SchemaError` with a field path.

    Built once per client. ``error`` is called with ``(field_path, message)`` and
    returns the exception to raise, so this module needs no request context.
    """

    __slots__ = ("_checker", "_detailed", "_fast", "_hooks", "strict")

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self._fast = make_converter(strict=strict)
        self._detailed = make_converter(strict=strict, detailed=True)
        # Strict mode has no separate fast path; its checks are the building ones.
        self._checker = self._fast if strict else make_converter(check_only=True)
        self._hooks: dict[tuple[type, bool], Callable[[Any, type], Any]] = {}

    @staticmethod
    @functools.cache
    def shared(*, strict: bool = False) -> Structurer:
        """The process's one Structurer of this strictness, built on first use.

        Its structure functions are generated (and compiled) once per class, not
        once per client: a client made per request or per chat message would pay
        milliseconds for that on its first page. It holds no per-client state.
        """
        return Structurer(strict=strict)

    def _hook(self, cls: type[T], *, build: bool = True) -> Callable[[Any, type], Any]:
        hook = self._hooks.get((cls, build))
        if hook is None:
            converter = self._fast if build else self._checker
            hook = self._hooks[cls, build] = converter.get_structure_hook(cls)
        return hook

    def one(self, data: Any, cls: type[T], on_error: _ErrorFactory, where: str = "") -> T:
        """Structure one object; ``where`` prefixes the field path in errors."""
        try:
            value: T = self._hook(cls)(data, cls)
        except Exception as exc:
            failure = self._explain(data, cls, where, exc, on_error)
        else:
            return value
        raise failure  # outside `except`: the error chains no internal exception

    def many(
        self, items: Sequence[Any], cls: type[T], on_error: _ErrorFactory, where: str = "results"
    ) -> list[T]:
        """Structure a list of objects (a page's ``results``); errors name ``where[i]``."""
        return self._run_all(items, cls, on_error, build=True, where=where)

    def array(self, data: Any, cls: type[T], on_error: _ErrorFactory) -> list[T]:
        """Structure a body that is a plain JSON array; errors name ``[i].field``."""
        if type(data) is not list:
            raise on_error("", f"expected a list, got {shown(data)}")
        return self._run_all(data, cls, on_error, build=True, where="")

    def check_many(
        self,
        items: list[dict[str, Any]],
        cls: type,
        on_error: _ErrorFactory,
        where: str = "results",
    ) -> list[dict[str, Any]]:
        """Check a list of objects exactly as :meth:`many` would, and return it as is.

        For exports that write what the API sent: the same errors, no models.
        """
        self._run_all(items, cls, on_error, build=False, where=where)
        return items

    def _run_all(
        self, items: Sequence[Any], cls: type, on_error: _ErrorFactory, *, build: bool, where: str
    ) -> list[Any]:
        hook = self._hook(cls, build=build)
        try:
            return [hook(item, cls) for item in items]
        except Exception:  # noqa: S110 - explained below, off the fast path
            pass
        # Find the culprit only now, off the fast path, and outside `except`.
        for index, item in enumerate(items):
            try:
                hook(item, cls)
            except Exception as exc:
                failure = self._explain(item, cls, f"{where}[{index}]", exc, on_error)
                break
        else:  # pragma: no cover - a failing list always has a failing item
            raise AssertionError("structuring failed, then every item passed")
        raise failure

    def unstructure(self, value: object) -> Any:
        """Models back to JSON-ready data (Decimals and datetimes as the API writes them)."""
        return self._fast.unstructure(value)

    def _explain(
        self, data: Any, cls: type, where: str, exc: Exception, on_error: _ErrorFactory
    ) -> Exception:
        try:
            self._detailed.structure(data, cls)
        except Exception as detailed_exc:
            exc = detailed_exc
        for line in transform_error(exc, path="$", format_exception=_describe):
            message, _, path = line.rpartition(" @ ")
            field = _join(where, path.removeprefix("$").removeprefix("."))
            return on_error(field, message)
        return on_error(where, _describe(exc, None))  # pragma: no cover - defensive


_ErrorFactory = Callable[[str, str], Exception]


def _join(where: str, path: str) -> str:
    if not where:
        return path
    if not path:
        return where
    return f"{where}{path}" if path.startswith("[") else f"{where}.{path}"


def _describe(exc: BaseException, _: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unknown field(s): {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, _Mismatch):
        return str(exc)
    return f"invalid value ({type(exc).__name__}: {exc})"


_MODELS: Final = "cariqa_async.models"


@functools.cache
def _json_converter() -> cattrs.Converter:
    # Built on first use, once: unstructuring does not depend on strictness.
    return make_converter()


def to_dict(model: Any) -> Any:
    """A model (or a list or tuple of models) back to JSON-ready data, as the API sends it.

    Field names are the API's, ``Decimal`` amounts become strings and datetimes ISO
    8601 text, exactly as they were received, so the result can be passed to
    ``json.dumps`` (or structured again into the same model). A :class:`Page`
    gives ``{"count", "next", "previous", "results"}``.

    Raises:
        InvalidArgumentError: ``model`` is not one of this SDK's models (or a list
            or tuple of them).

    Example::

        session = await client.charging_sessions.get(user_id, session_id)
        print(json.dumps(cariqa_async.to_dict(session)))
    """
    if isinstance(model, (list, tuple)):
        return [to_dict(item) for item in model]
    if not attrs.has(type(model)) or not type(model).__module__.startswith(_MODELS):
        raise InvalidArgumentError(
            f"to_dict takes a cariqa_async model, got {type(model).__name__}"
        )
    return _json_converter().unstructure(model)
