"""ReddyTalk core: settings, errors, logging, domain services, providers and stores.

Function code (``api/``, ``orchestrators/``, ``activities/``, ``entities/``) depends on this
package; this package never depends on function code or on the local host.
"""
