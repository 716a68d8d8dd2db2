"""`hdsctl`: a thin click layer; the work lives in modules the tests call directly."""
