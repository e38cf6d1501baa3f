"""The operator registry: each operator class registered once, with its names and its PyTorch counterparts.

:func:`register` records, for an operator class, the name the command line and
codegen use (plus older aliases), the PyTorch modules, functions and tensor methods
it stands for (as dotted names: ``import symconv`` never imports torch), how to build
it from a module or a call, and a small example. Everything that lists operators reads
this registry: the public exports, the CLI, the built-in codegen specs and the torch
front end. A name registered twice raises :class:`DuplicateRegistration`.

>>> from symconv.ops import registry
>>> registry.lookup("conv2d").cls.__name__, registry.lookup("dwconv").name  # an alias
('Conv2d', 'depthwise_separable_conv2d')
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from symconv.errors import SymconvError, UnknownName

T = TypeVar("T", bound=type)

ModuleBuild = Callable[[Any], Any]
CallBuild = Callable[..., Any]


class DuplicateRegistration(SymconvError):
    """An operator name, alias, class or PyTorch counterpart registered twice."""


@dataclass(frozen=True)
class Example:
    """Small constructor arguments and input shapes that make a valid operator (for tests and docs)."""

    kwargs: Mapping[str, object]
    input_shapes: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Free:
    """A constructor argument the built-in generated functions keep as an argument, with this default."""

    default: object


@dataclass(frozen=True)
class Generated:
    """How the built-in generated cost functions build an operator (:func:`symconv.codegen.builtin_specs`).

    Every constructor parameter of a size becomes an argument of the same name (one per
    axis for a :data:`~symconv.ops.base.PerAxis` parameter); ``bias`` selects with/without.

    Attributes
    ----------
    layout : tuple of str
        The input's dimensions, each a constructor parameter's name (``in_channels``) or
        an argument of its own (``batch``, ``height``).
    variants : mapping
        Function-name prefix -> fixed constructor arguments (:class:`Free` keeps one an
        argument with a default).
    """

    layout: tuple[str, ...]
    variants: Mapping[str, Mapping[str, object]]


@dataclass(frozen=True)
class Registration:
    """One operator class and everything that refers to it by name.

    Attributes
    ----------
    name : str
        Command-line and codegen name (``conv2d``, ``depthwise_separable_conv2d``).
    cls : type
        The operator class.
    aliases : tuple of str
        Older command-line names that still work.
    torch : tuple of str
        PyTorch counterparts as dotted names: module classes (``torch.nn.Conv2d``),
        functions (``torch.add``, ``torch.nn.functional.relu``, ``operator.add``),
        tensor methods (``Tensor.add``).
    build : callable or None
        ``build(module) -> operator`` for the module classes; ``None``: by the constructor's
        signature, each parameter read from the module's attribute of the same name.
    call : callable or None
        ``call(name, *args, **kwargs) -> operator`` for the functions and methods, ``name``
        the function's (``relu6``, ``add``; a method's without a trailing ``_``); tensor
        arguments arrive as values with a ``.shape``. ``None``: the constructor on the
        non-tensor arguments.
    example : Example
        Arguments and input shapes of a small valid instance.
    codegen : Generated or None
        The built-in generated cost functions of this operator, if any.
    """

    name: str
    cls: type
    example: Example
    aliases: tuple[str, ...] = ()
    torch: tuple[str, ...] = ()
    build: ModuleBuild | None = None
    call: CallBuild | None = None
    codegen: Generated | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def modules(self) -> tuple[str, ...]:
        """The dotted names of PyTorch module classes (``torch.nn.X``)."""
        return tuple(
            n for n in self.torch if n.startswith("torch.nn.") and n.rsplit(".", 1)[-1].lstrip("_")[:1].isupper()
        )

    def functions(self) -> tuple[str, ...]:
        """The dotted names of PyTorch (and ``operator``) functions."""
        return tuple(n for n in self.torch if n not in self.modules() and not n.startswith("Tensor."))

    def methods(self) -> tuple[str, ...]:
        """The tensor method names (``Tensor.add`` -> ``add``)."""
        return tuple(n.removeprefix("Tensor.") for n in self.torch if n.startswith("Tensor."))

    def from_module(self, module: Any) -> Any:
        """The operator standing for a PyTorch module."""
        if self.build is not None:
            return self.build(module)
        kwargs = {}
        parameters = getattr(module, "__dict__", {}).get("_parameters", {})
        for param in constructor_parameters(self.cls):
            if param.name in parameters:  # read directly: a tracer's nn.Module.__getattr__ makes a node of it
                value = parameters[param.name]
            elif hasattr(module, param.name):
                value = getattr(module, param.name)
            else:
                continue
            kwargs[param.name] = value if param.name != "bias" or isinstance(value, bool) else value is not None
        return self.cls(**kwargs)

    def from_call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """The operator standing for a call of function or method ``name`` (tensor arguments have a ``.shape``)."""
        if self.call is not None:
            return self.call(name, *args, **kwargs)
        return self.cls(*(a for a in args if not hasattr(a, "shape")), **kwargs)


_BY_NAME: dict[str, Registration] = {}
_BY_CLASS: dict[type, Registration] = {}
_BY_TORCH: dict[str, Registration] = {}


def register(
    name: str,
    *,
    example: Example | tuple[Mapping[str, object], tuple[tuple[int, ...], ...]],
    aliases: tuple[str, ...] = (),
    torch: tuple[str, ...] = (),
    build: ModuleBuild | None = None,
    call: CallBuild | None = None,
    codegen: Generated | None = None,
) -> Callable[[T], T]:
    """Class decorator: register an operator class under ``name`` (see :class:`Registration`).

    >>> from symconv.ops.elementwise import Add
    >>> register("add", example=({}, ((1,), (1,))))(Add)
    Traceback (most recent call last):
    ...
    symconv.ops.registry.DuplicateRegistration: operator name 'add' is registered twice (Add, Add)
    """

    def decorate(cls: T) -> T:
        kept = example if isinstance(example, Example) else Example(*example)
        entry = Registration(name, cls, kept, aliases, torch, build, call, codegen)
        _add(entry)
        return cls

    return decorate


def _add(entry: Registration) -> None:
    for key in entry.names:
        if key in _BY_NAME:
            raise DuplicateRegistration(
                f"operator name {key!r} is registered twice ({_BY_NAME[key].cls.__name__}, {entry.cls.__name__})"
            )
    if entry.cls in _BY_CLASS:
        raise DuplicateRegistration(f"class {entry.cls.__name__} is registered twice ({_BY_CLASS[entry.cls].name!r})")
    for dotted in entry.torch:
        if dotted in _BY_TORCH:
            raise DuplicateRegistration(
                f"PyTorch counterpart {dotted!r} is registered twice ({_BY_TORCH[dotted].name!r}, {entry.name!r})"
            )
    for key in entry.names:
        _BY_NAME[key] = entry
    _BY_CLASS[entry.cls] = entry
    for dotted in entry.torch:
        _BY_TORCH[dotted] = entry


def registrations() -> Iterator[Registration]:
    """Every registration, in registration order (once each, aliases folded)."""
    _load()
    return iter(_BY_CLASS.values())


def names() -> list[str]:
    """Every operator name, aliases excluded."""
    return [entry.name for entry in registrations()]


def lookup(name: str) -> Registration:
    """The registration called ``name`` (or one of its aliases)."""
    _load()
    if name not in _BY_NAME:
        raise UnknownName("operator", name, names())
    return _BY_NAME[name]


def of_class(cls: type) -> Registration | None:
    """The registration of ``cls``, or None."""
    _load()
    return _BY_CLASS.get(cls)


def counterparts() -> dict[str, Registration]:
    """Dotted PyTorch name -> registration."""
    _load()
    return dict(_BY_TORCH)


@functools.cache  # reading a signature evaluates its annotations: the command line asks for each many times
def constructor_parameters(cls: type) -> tuple[inspect.Parameter, ...]:
    """The constructor's named parameters (``self``, ``*args`` and ``**kwargs`` left out)."""
    if cls.__init__ is object.__init__:  # no parameters (inspect would parse object's text signature)
        return ()
    init = inspect.signature(cls.__init__, eval_str=True)
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p for p in list(init.parameters.values())[1:] if p.kind in kinds)


def _load() -> None:
    """Import the operator modules, whose decorators fill the registry."""
    import symconv.ops  # noqa: F401  (imports every family module)
