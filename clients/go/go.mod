module kvactor

go 1.19
