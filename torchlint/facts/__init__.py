"""Derived facts the rules share, one answer each (DESIGN.md, "Layout").

Each module answers one family of questions over the semantic model and the
cross-module summaries: ``loops`` (training-loop events), ``autograd`` (where
autograd records), ``values`` (losses, accumulations, softmax), ``devices``
(device literals and moves), ``forward`` (tensors created in ``forward()``),
``data`` (loaders and samplers), ``modes`` (train/eval), ``seeding``,
``hparams``, ``adoption`` (Lightning concerns) and ``summaries`` (what a
function of the user's other modules does). Rules import these; these never
import a rule.
"""
