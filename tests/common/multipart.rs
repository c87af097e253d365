//! A `multipart/form-data` body as a browser or `curl -F` sends it, for
//! the signed documents' uploads (the API's and the pages').

/// One part: its name, the file name when it is a file, its bytes.
pub struct Part<'a> {
    pub name: &'a str,
    pub file_name: Option<&'a str>,
    pub content: &'a [u8],
}

/// The body and its `Content-Type` (with the boundary).
pub fn body(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----breachdtestboundary";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part.file_name {
            Some(file_name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", part.name)
                    .as_bytes(),
            ),
        }
        body.extend_from_slice(part.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A document upload: the `publishable` flag, the file (named "signed
/// DPA.pdf") and, for a page's form, its CSRF token.
pub fn document(file: &[u8], publishable: bool, csrf: Option<&str>) -> (String, Vec<u8>) {
    let flag = publishable.to_string();
    let mut parts = Vec::new();
    if let Some(csrf) = csrf {
        parts.push(Part {
            name: "csrf",
            file_name: None,
            content: csrf.as_bytes(),
        });
    }
    parts.push(Part {
        name: "publishable",
        file_name: None,
        content: flag.as_bytes(),
    });
    parts.push(Part {
        name: "file",
        file_name: Some("signed DPA.pdf"),
        content: file,
    });
    body(&parts)
}
