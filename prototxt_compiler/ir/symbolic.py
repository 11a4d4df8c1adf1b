"""Symbolic dimensions: the sizes a net does not fix (a fragment's batch, channels, height).

A ``SymDim`` is an integer polynomial over atoms, where an atom is a symbol (``"H"``) or the
floor division of a polynomial by a positive integer: enough for every shape rule of Caffe
that keeps a size symbolic (a convolution gives ``(H + 2*pad - extent) // stride + 1``,
normalised to ``(H+1)//2`` for a 3x3/2 with pad 1; a product of sizes gives ``N*H*W``). A
result without symbols is a plain ``int``, so ``H - H`` is ``0`` and a global pooling's
output is ``1``.

A symbolic size is tainted on purpose: it has no ``int()``, no ``bool()`` and no ordering,
so anything that would bake it into a constant (a numpy array, an ONNX attribute, a torch
module's size) or branch on it raises ``SymbolicShapeError``, which the passes and backends
turn into an error naming the layer and the input whose size it needs. Equality is
structural (``H == H``, ``H != 56``).

``SymbolBinding`` is what a shape rule raises when it learns a symbol's value (the Eltwise
that sums a fragment's input of ``C`` channels with a 256-channel blob): shape inference
substitutes it and starts again.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from math import gcd
from typing import Any, Union

__all__ = ["SymDim", "FloorDiv", "SymbolicShapeError", "SymbolBinding", "is_symbolic",
           "symbols_of", "substitute", "unify"]

Atom = Union[str, "FloorDiv"]
Monomial = tuple[Atom, ...]


class SymbolicShapeError(Exception):
    """An operation that needs a concrete size met a symbolic one. Not a CompilerError:
    the pass or backend that catches it knows the layer and says which input to size."""

    def __init__(self, message: str, dims: Iterable[Any] = ()) -> None:
        super().__init__(message)
        self.symbols = sorted(set().union(*(symbols_of(d) for d in dims))) if dims else []


class SymbolBinding(Exception):
    """A shape rule found the value of symbols: ``values`` maps symbol -> value, ``reason``
    says how (for a note)."""

    def __init__(self, values: Mapping[str, Any], reason: str) -> None:
        super().__init__(reason)
        self.values = dict(values)
        self.reason = reason


_ORDER = {"N": 0, "C": 1, "H": 2, "W": 3}  # symbols print in Caffe's axis order


def _atom_key(atom: Atom) -> tuple[Any, ...]:
    if isinstance(atom, str):
        return (0, _ORDER.get(atom.rstrip("0123456789"), len(_ORDER)), atom)
    return (1, str(atom.numerator), atom.divisor)


def _mono_key(mono: Monomial) -> tuple[Any, ...]:
    return (-len(mono), tuple(_atom_key(a) for a in mono))


class FloorDiv:
    """``numerator // divisor`` for a numerator that does not divide exactly."""

    __slots__ = ("numerator", "divisor")

    def __init__(self, numerator: SymDim, divisor: int) -> None:
        self.numerator = numerator
        self.divisor = divisor

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FloorDiv) and self.divisor == other.divisor
                and self.numerator == other.numerator)

    def __hash__(self) -> int:
        return hash((self.numerator, self.divisor))

    def __str__(self) -> str:
        num = str(self.numerator)
        if not self.numerator.is_atom():
            num = f"({num})"
        return f"{num}//{self.divisor}"


_Poly = dict[Monomial, int]


def _poly(x: Any) -> tuple[_Poly, int] | None:
    if isinstance(x, SymDim):
        return dict(x._terms), x._const
    if isinstance(x, int) and not isinstance(x, bool):
        return {}, x
    return None


def _make(terms: _Poly, const: int) -> Any:
    terms = {m: c for m, c in terms.items() if c}
    if not terms:
        return const
    return SymDim(tuple(sorted(terms.items(), key=lambda t: _mono_key(t[0]))), const)


def _add(a: tuple[_Poly, int], b: tuple[_Poly, int], sign: int = 1) -> Any:
    terms = dict(a[0])
    for mono, coeff in b[0].items():
        terms[mono] = terms.get(mono, 0) + sign * coeff
    return _make(terms, a[1] + sign * b[1])


def _mul(a: tuple[_Poly, int], b: tuple[_Poly, int]) -> Any:
    terms: _Poly = {}
    left = list(a[0].items()) + [((), a[1])]
    right = list(b[0].items()) + [((), b[1])]
    const = 0
    for m1, c1 in left:
        for m2, c2 in right:
            if not c1 or not c2:
                continue
            mono = tuple(sorted(m1 + m2, key=_atom_key))
            if mono:
                terms[mono] = terms.get(mono, 0) + c1 * c2
            else:
                const += c1 * c2
    return _make(terms, const)


def _floordiv(x: tuple[_Poly, int], d: int) -> Any:
    """floor(x / d): the parts divisible by ``d`` come out, the rest stays one atom."""
    quotient: _Poly = {}
    rest: _Poly = {}
    for mono, coeff in x[0].items():
        q, r = divmod(coeff, d)
        if q:
            quotient[mono] = q
        if r:
            rest[mono] = r
    q_const, r_const = divmod(x[1], d)
    if not rest:
        return _make(quotient, q_const)
    common = d
    for value in list(rest.values()) + [r_const]:
        common = gcd(common, value)
    if common > 1:
        rest = {m: c // common for m, c in rest.items()}
        r_const //= common
        d //= common
    if len(rest) == 1:
        (mono, coeff), = rest.items()
        if coeff == 1 and len(mono) == 1 and isinstance(mono[0], FloorDiv):
            # floor((floor(A / d1) + c) / d) = floor((A + c*d1) / (d1*d))
            inner = mono[0]
            nested = _add(_poly(inner.numerator), ({}, r_const * inner.divisor))  # type: ignore[arg-type]
            return _add((quotient, q_const), _poly(_floordiv(_poly(nested), inner.divisor * d)))  # type: ignore[arg-type]
    atom = FloorDiv(_make(rest, r_const), d)
    quotient[(atom,)] = quotient.get((atom,), 0) + 1
    return _make(quotient, q_const)


def _ratio(a: SymDim, b: Any) -> int | None:
    """The integer k with a == k * b, where ``b`` is a symbolic size that ``a`` is a
    multiple of term by term (a Reshape's element count over its known dims); else None."""
    if not isinstance(b, SymDim) or a._const or b._const or len(a._terms) != len(b._terms):
        return None
    ratios = set()
    for (ma, ca), (mb, cb) in zip(a._terms, b._terms):
        if ma != mb or ca % cb:
            return None
        ratios.add(ca // cb)
    return ratios.pop() if len(ratios) == 1 else None


class SymDim:
    """A symbolic size (see the module docstring). Build symbols with ``SymDim.symbol``."""

    __slots__ = ("_terms", "_const", "_hash")

    def __init__(self, terms: tuple[tuple[Monomial, int], ...], const: int) -> None:
        self._terms = terms
        self._const = const
        self._hash = hash((terms, const))

    @staticmethod
    def symbol(name: str) -> SymDim:
        return SymDim(((((name,), 1),)), 0)

    # -- what it is --------------------------------------------------------------------
    def is_atom(self) -> bool:
        """A bare symbol or one floor division: printed without parentheses."""
        return self._const == 0 and len(self._terms) == 1 and self._terms[0][1] == 1 \
            and len(self._terms[0][0]) == 1

    @property
    def name(self) -> str | None:
        """The symbol's name when this is a bare symbol, else None."""
        if self.is_atom() and isinstance(self._terms[0][0][0], str):
            return self._terms[0][0][0]
        return None

    # -- arithmetic --------------------------------------------------------------------
    def __add__(self, other: Any) -> Any:
        b = _poly(other)
        return NotImplemented if b is None else _add(_poly(self), b)  # type: ignore[arg-type]

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        b = _poly(other)
        return NotImplemented if b is None else _add(_poly(self), b, -1)  # type: ignore[arg-type]

    def __rsub__(self, other: Any) -> Any:
        a = _poly(other)
        return NotImplemented if a is None else _add(a, _poly(self), -1)  # type: ignore[arg-type]

    def __neg__(self) -> Any:
        return _mul(({}, -1), _poly(self))  # type: ignore[arg-type]

    def __pos__(self) -> SymDim:
        return self

    def __mul__(self, other: Any) -> Any:
        b = _poly(other)
        return NotImplemented if b is None else _mul(_poly(self), b)  # type: ignore[arg-type]

    __rmul__ = __mul__

    def __floordiv__(self, other: Any) -> Any:
        if isinstance(other, int) and not isinstance(other, bool) and other > 0:
            return self if other == 1 else _floordiv(_poly(self), other)  # type: ignore[arg-type]
        ratio = _ratio(self, other)
        if ratio is not None:
            return ratio
        raise SymbolicShapeError(f"divides the symbolic size {self} by {other}", [self, other])

    def __rfloordiv__(self, other: Any) -> Any:
        raise SymbolicShapeError(f"divides {other} by the symbolic size {self}", [self])

    def __mod__(self, other: Any) -> Any:
        return self - other * (self // other)

    def __rmod__(self, other: Any) -> Any:
        raise SymbolicShapeError(f"takes {other} modulo the symbolic size {self}", [self])

    def __truediv__(self, other: Any) -> Any:
        raise SymbolicShapeError(f"divides the symbolic size {self} exactly", [self, other])

    __rtruediv__ = __truediv__

    # -- what it refuses ---------------------------------------------------------------
    def _refuse(self, what: str, other: Any = None) -> SymbolicShapeError:
        dims = [self] if other is None else [self, other]
        return SymbolicShapeError(f"{what} the symbolic size {self}", dims)

    def __lt__(self, other: Any) -> bool:
        raise self._refuse(f"compares {other} with", other)

    __le__ = __gt__ = __ge__ = __lt__

    def __bool__(self) -> bool:
        raise self._refuse("tests")

    def __int__(self) -> int:
        raise self._refuse("needs a number for")

    __index__ = __int__

    def __float__(self) -> float:
        raise self._refuse("needs a number for")

    # -- equality, printing ------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, SymDim) and self._hash == other._hash and \
            self._terms == other._terms and self._const == other._const

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self._format(False)

    def __repr__(self) -> str:
        return f"SymDim({self})"

    def __format__(self, spec: str) -> str:
        return self._format("," in spec)

    def _format(self, commas: bool) -> str:
        number = "{:,}".format if commas else str
        parts: list[str] = []
        for mono, coeff in self._terms:
            atoms = [str(a) if isinstance(a, str) or len(mono) == 1 and coeff in (1, -1)
                     else f"({a})" for a in mono]
            body = "*".join(atoms)
            magnitude = abs(coeff)
            text = body if magnitude == 1 else f"{number(magnitude)}*{body}"
            parts.append(("-" if coeff < 0 else "+") + text)
        if self._const:
            parts.append(("-" if self._const < 0 else "+") + number(abs(self._const)))
        out = "".join(parts)
        return out[1:] if out.startswith("+") else out

    # -- substitution ------------------------------------------------------------------
    def atoms(self) -> list[Atom]:
        return [a for mono, _ in self._terms for a in mono]

    def substitute(self, values: Mapping[str, Any]) -> Any:
        """This size with symbols replaced by ints or other sizes."""
        total: Any = self._const
        for mono, coeff in self._terms:
            term: Any = coeff
            for atom in mono:
                term = term * _substitute_atom(atom, values)
            total = total + term
        return total


def _substitute_atom(atom: Atom, values: Mapping[str, Any]) -> Any:
    if isinstance(atom, str):
        return values.get(atom, SymDim.symbol(atom))
    return substitute(atom.numerator, values) // atom.divisor


def is_symbolic(x: Any) -> bool:
    return isinstance(x, SymDim)


def symbols_of(x: Any) -> set[str]:
    """The symbol names a size (or a shape, a tuple of sizes) depends on."""
    if isinstance(x, tuple):
        return set().union(*(symbols_of(d) for d in x)) if x else set()
    if not isinstance(x, SymDim):
        return set()
    found: set[str] = set()
    for atom in x.atoms():
        found |= {atom} if isinstance(atom, str) else symbols_of(atom.numerator)
    return found


def substitute(x: Any, values: Mapping[str, Any]) -> Any:
    """``x`` (a size or a tuple of sizes) with symbols replaced."""
    if isinstance(x, tuple):
        return tuple(substitute(d, values) for d in x)
    return x.substitute(values) if isinstance(x, SymDim) else x


def unify(want: Any, have: Any) -> dict[str, Any] | None:
    """The symbol values that make size ``want`` equal ``have``, where one simple rule finds
    them: a bare symbol takes the other side; ``a*S + b`` or ``S // g`` (a convolution's
    ``C // group``) equal to a number gives S. None when no such rule applies."""
    if want == have:
        return {}
    for left, right in ((want, have), (have, want)):
        if not isinstance(left, SymDim):
            continue
        if left.name is not None and left.name not in symbols_of(right):
            return {left.name: right}
        if isinstance(right, int) and len(left._terms) == 1 and len(left._terms[0][0]) == 1:
            (atom,), coeff = left._terms[0]
            target = right - left._const
            if target % coeff:
                continue
            target //= coeff
            if isinstance(atom, str):
                return {atom: target} if target > 0 else None
            inner = atom.numerator
            if inner.name is not None and target > 0:
                # S // g == t for the smallest S that a convolution's group divides: t * g
                return {inner.name: target * atom.divisor}
    return None
