"""PyTorch's C++ names of NumPy dtypes, as its refusal messages print them
("expected scalar type Float", "not implemented for 'Half'")."""

TORCH_DTYPE_NAMES = {
    "float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char", "uint8": "Byte",
    "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool",
}


def torch_dtype_name(name: str) -> str:
    """``"float16"`` -> ``"Half"``; a name PyTorch has no C++ name for is returned as is."""
    return TORCH_DTYPE_NAMES.get(name, name)
