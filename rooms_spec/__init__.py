"""The spec layer: the OpenAPI document, its operations, `$ref`s, JSON Pointers, validators.

Plain Python over PyYAML, `referencing` and jsonschema, with no HTTP framework:
the mock, the contract suite, lint and diff all read the spec through it.

    from rooms_spec import load_spec
    from rooms_spec.validators import Validators

    spec = load_spec()                      # the bundled openapi.yaml, validated
    body = Validators(spec).request_body("createRoom")
    body.violations({"name": ""})           # [Violation('body', '/name', ...)]
"""

from .document import Spec, SpecError, default_spec_path, load_spec, read_document
from .operations import HTTP_METHODS, Operation

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "Spec",
    "SpecError",
    "default_spec_path",
    "load_spec",
    "read_document",
]
