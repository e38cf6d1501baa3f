"""Questions asked of costs: ratios, limits, crossovers, rooflines, I/O bounds, the backward pass.

Built on the operators (:mod:`symconv.ops`) and networks (:mod:`symconv.network`);
the renderers (:mod:`symconv.latex`, :mod:`symconv.codegen`, :mod:`symconv.render`)
and the command line build on this layer.
"""
