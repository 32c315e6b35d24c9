env     = "prod"
token   = "prd&<Tok3n> new/2"
key_pem = "-----BEGIN KEY-----\nMIIEprodQIBADANBgkq\r\nhkiG9w0BAQEFAASC\n-----END KEY-----"
