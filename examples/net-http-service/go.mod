module example.com/net-http-service

go 1.22
