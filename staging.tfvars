env     = "staging"
token   = "stg&<Tok3n> new/1"
key_pem = "-----BEGIN KEY-----\nMIIEstagingQIBADANBgkq\r\nhkiG9w0BAQEFAASC\n-----END KEY-----"
