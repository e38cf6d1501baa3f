"""pytest: the torch front end's doctests need the optional extra ``symconv[torch]``."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["symconv/network/torch_fx.py"]
