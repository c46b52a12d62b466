"""Vendor gateway: the one owner of each vendor's connection pool.

Whatever a vendor answers, each request ends answered with a result or a named task
failure (``<PREFIX>.Timeout``, ``.ConnectionReset``, ``.RedirectLoop``,
``.TooManyRedirects``, ``.CrossOriginRedirect``, ``.ResponseTooLarge``,
``.MalformedResponse``, ``.ReplyTooLarge``, ...; docs/vendor-gateway-failures.md lists
them all) and its offset moves on.
"""
