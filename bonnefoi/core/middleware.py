"""Request middleware shared by every app."""


class CspNonceAliasMiddleware:
    """Expose Django's CSP nonce under the name django-dsfr's templates read.

    Django's built-in CSP middleware stores the nonce as ``request._csp_nonce``; ``dsfr/base.html``
    reads ``request.csp_nonce`` (django-csp's name). Without this alias the DSFR script tags carry
    no nonce and a strict policy blocks them. Must come right after ContentSecurityPolicyMiddleware.

    The nonce is evaluated here on purpose: Django's ``LazyNonce`` is falsy until first read, and
    django-dsfr's script tag only prints ``nonce=`` when the value is truthy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = str(request._csp_nonce)
        return self.get_response(request)
