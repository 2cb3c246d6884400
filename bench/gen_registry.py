#!/usr/bin/env python3
"""Synthetic registry CSVs for the import benchmark: N households inside the demo station's
grids and about 2.5 residents each, with valid, unique ID numbers. Deterministic.
    gen_registry.py OUT_DIR HOUSEHOLDS"""
import os
import random
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚",
         "建华", "文辉", "浩然", "子涵", "欣怡", "梓轩", "雨泽", "俊杰", "博文", "思远", "晨曦", "佳琪", "志强", "海燕", "玉兰", "世川"]


def check(first17):
    return C[sum(int(d) * w for d, w in zip(first17, W)) % 11]


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(2026)
    os.makedirs(out, exist_ok=True)
    used = set()
    with open(os.path.join(out, "households.csv"), "w") as h, open(os.path.join(out, "residents.csv"), "w") as r:
        h.write("household_code,address,lat,lon,dwelling_type,is_rental,phone\n")
        r.write("household_code,name,id_number,relation,phone\n")
        for i in range(n):
            code = f"B-H{i:07d}"
            # Inside the demo station's full rows of communities (away from the outer edge).
            lat = round(37.1255 + rnd.random() * 0.0170, 6)
            lon = round(111.7605 + rnd.random() * 0.0390, 6)
            rented = rnd.random() < 0.22
            h.write(f"{code},孝义市新义街道基准小区{i // 24 + 1}号楼{i % 24 + 1}室,{lat},{lon},{'rented' if rented else 'owner_occupied'},{1 if rented else 0},1390{i:07d}\n")
            for k in range(rnd.choice([1, 2, 2, 3, 3, 3, 4])):
                while True:
                    birth = f"{rnd.randint(1935, 2020)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
                    first17 = f"141181{birth}{rnd.randint(0, 999):03d}"
                    idn = first17 + check(first17)
                    if idn not in used:
                        used.add(idn)
                        break
                name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
                r.write(f"{code},{name},{idn},{'head' if k == 0 else 'child'},\n")
    print(f"{n} households, {len(used)} residents")


main()
