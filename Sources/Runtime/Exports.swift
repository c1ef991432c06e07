// The core's diagnostics, schema model and validator are part of the runtime's API (config
// loading reports them), so users import `Triggerfish` alone; `_TriggerfishCore` is not a product.
@_exported import _TriggerfishCore
