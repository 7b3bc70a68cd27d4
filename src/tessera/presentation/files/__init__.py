"""Files over HTTP, shared by the API and the web pages: streamed multipart uploads and the
headers a download is sent with."""
