echo hello
exit /b 0