"""Map a JSON Pointer into a YAML file back to the line it was written on.

`yaml.compose` keeps a mark on every node; walking the composed tree along
the pointer's tokens gives the line of the deepest node that exists.
"""

from __future__ import annotations

import yaml

from rooms_spec.pointer import split


class LineMap:
    """Lines of the nodes of one YAML (or JSON) text."""

    def __init__(self, text: str) -> None:
        try:
            self.root: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self.root = None

    def line_of(self, pointer: str) -> int | None:
        """The 1-based line of the node at a JSON Pointer, or of its nearest existing ancestor."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in split(pointer):
            child = _child(node, part)
            if child is None:
                break
            key, node = child
            line = key.start_mark.line + 1
        return line


def _child(node: yaml.Node, part: str) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node, value node) for a mapping; (item, item) for a sequence."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return key, value
    if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
        item = node.value[int(part)]
        return item, item
    return None
