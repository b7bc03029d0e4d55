@echo off
echo 100%% done ^& Données 日本
set x="a b"
exit /b 0