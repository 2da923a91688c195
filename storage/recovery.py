"""Organisation recovery key: RSA-OAEP-SHA256 wrapping of the data key.

An administrator generates one key pair for the organisation and keeps the private key
offline (password-protected). Every vault created with the public key also stores its data
key wrapped to it, so a forgotten passphrase never loses unsynced work.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from carer_desk.errors import ValidationError, VaultError

MIN_RSA_BITS = 3072
_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


def generate_recovery_keypair(
    key_password: bytes | None, *, bits: int = MIN_RSA_BITS
) -> tuple[bytes, bytes]:
    """Return ``(private_pem, public_pem)``; the private key is encrypted when a password is
    given (strongly advised: it can open every vault in the organisation)."""
    if bits < MIN_RSA_BITS:
        raise ValidationError([("bits", f"a recovery key must have at least {MIN_RSA_BITS} bits")])
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(key_password)
        if key_password
        else serialization.NoEncryption()
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_public_key(public_pem: bytes) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(public_pem)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            [
                (
                    "recovery_public_key",
                    "is not a PEM public key; ask your administrator for "
                    "the organisation's recovery public key file",
                )
            ]
        ) from exc
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise ValidationError(
            [("recovery_public_key", f"must be an RSA key of at least {MIN_RSA_BITS} bits")]
        )
    return key


def fingerprint(public_pem: bytes) -> str:
    """SHA-256 of the key's DER encoding, in hex pairs: what an administrator compares
    with the fingerprint of the organisation's key before trusting a vault's."""
    der = load_public_key(public_pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return ":".join(f"{b:02X}" for b in digest.finalize())


def wrap_for_recovery(public_pem: bytes, data_key: bytes | bytearray) -> bytes:
    # The RSA binding only takes bytes: this short-lived copy cannot be wiped (see
    # docs/security.md on Python's limits).
    return load_public_key(public_pem).encrypt(bytes(data_key), _OAEP)


def load_private_key(private_pem: bytes, key_password: bytes | None) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(private_pem, password=key_password)
    except TypeError as exc:
        raise VaultError(
            "The recovery private key is password-protected: give its password "
            "(or it is not protected and a password was given)."
        ) from exc
    except ValueError as exc:
        raise VaultError(
            "Could not read the recovery private key: the file is not a PEM private key "
            "or its password is wrong."
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise VaultError("The recovery private key is not an RSA key.")
    return key


def unwrap_with_private(private: rsa.RSAPrivateKey, wrapped: bytes) -> bytearray:
    try:
        return bytearray(private.decrypt(wrapped, _OAEP))
    except ValueError as exc:
        raise VaultError(
            "This recovery private key does not match the key the vault was created with. "
            "Use the organisation's recovery key that was current when the vault was set up."
        ) from exc
